# 003's optimizer/scheduler loop, re-indented, around a small stand-in for its ResNet and
# dataset (the seed defines neither in runnable form).
import torch
import torch.nn as nn
model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
dataset = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(4)]
loss_fn = nn.MSELoss()
optimizer=torch.optim.Adam(model.parameters(),lr=0.001) #此处可以换成任意一种优化器,如torch.optim.SGD等
scheduler=torch.optim.lr_scheduler.StepLR(optimizer,step_size=10,gamma=0.5) #此处可以换成任意一种调度器,如torch.optim.lr_scheduler.ExponentialLR等
for epoch in range(100):
    for input, target in dataset: #一轮的训练过程
        optimizer.zero_grad() #清空上一组数据的梯度
        output = model(input)
        loss = loss_fn(output, target) #计算预测值以及损失
        loss.backward() #反向传播计算梯度
        optimizer.step() #优化器会根据反向传播的梯度值来优化模型参数
    scheduler.step() #在一轮训练完成之后,调度器也前进一个步长,按照预先设定的参数对优化器的学习率进行调整
    if epoch % 10 == 9:
        print(epoch, loss.item())
lr = scheduler.get_last_lr()[0]
